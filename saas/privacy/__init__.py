"""People's data (issue 19, points 2 and 3): how long a tenant keeps what (retention), a person's own
data as a download, and the erasure of a person from a tenant."""
