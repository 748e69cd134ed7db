"""Icons, desktop entry and metadata (data package)."""
