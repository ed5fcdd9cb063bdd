//! Helpers shared by the DL3022-DL3045 rule files.
