"""Leadership: behaviour promises with pulse checks, 360-degree feedback, consistency check (issue 9)"""
