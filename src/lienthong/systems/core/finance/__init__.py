"""The public finance registry (tài chính): budget units and fee payments."""
