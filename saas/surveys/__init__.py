"""Values-alignment surveys: instruments, waves, anonymous invitations and answers."""
