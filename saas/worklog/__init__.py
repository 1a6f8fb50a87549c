"""The team work log: work sessions with attendees, decisions and actions; benchmark visits; client
interviews. Team members keep it; management, admins and the theme's sponsors read it."""
