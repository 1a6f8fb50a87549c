"""Published statements (issue 19, point 7): the privacy statement for staff and the accessibility statement,
per tenant and for the platform, public and in both languages."""
