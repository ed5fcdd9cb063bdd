//! Helpers shared by the DL3046-DL3067 and DL4xxx rule files.
