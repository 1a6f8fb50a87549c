"""Exit (issue 19, point 4): the whole tenant as one archive in open formats, and its deletion at contract end."""
