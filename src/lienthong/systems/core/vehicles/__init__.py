"""The vehicle registry (xe cộ): road vehicles by plate, and who owns them."""
