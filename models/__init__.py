"""Model toolchain (training, export, evaluation). Needs the `train` extra; the app never imports it."""
