"""Bundled lesson files (Markdown with TOML front-matter), shipped as designer._lessons."""
