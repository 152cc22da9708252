"""End-to-end tests: the real `source-peopleai` command against the local People.ai stand-in."""
