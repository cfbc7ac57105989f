"""What a bank needs of a payment file beyond the ISO schema: the days it executes payments."""
