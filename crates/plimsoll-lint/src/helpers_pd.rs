//! Helpers shared by the PD rules rule files.
