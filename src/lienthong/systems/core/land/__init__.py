"""The land registry (đất đai): parcels, their uses, right holders and encumbrances."""
