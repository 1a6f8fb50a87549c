"""From result to action (issue 21 point 6): a plan or a promise cites a released figure; later waves show whether it moved."""
