"""Identity documents: second-generation ID cards and social-security cards."""
