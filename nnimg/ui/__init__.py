"""The Gradio app, one module per tab; the only part of the package that imports gradio."""
