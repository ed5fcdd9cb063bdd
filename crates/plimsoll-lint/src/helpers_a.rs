//! Helpers shared by the DL3001-DL3021 rule files.
