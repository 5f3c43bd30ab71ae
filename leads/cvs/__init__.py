"""CV files: where they are stored (storage), the checks a file passes (validators), reading
their words for search (text), and the files held for a prospect's next try (held)."""
