"""What a bank needs of a payment file beyond the ISO schema: the days it executes payments
(calendar), its rules per bank (profiles), the characters it carries (text) and the pain.001
builder that follows them (pain001)."""
