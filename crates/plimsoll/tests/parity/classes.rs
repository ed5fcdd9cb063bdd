//! Disagreement classes between Plimsoll and hadolint 2.15.1, each with a
//! mechanical classifier.

use super::{Case, Class, Side, Verdict};

pub static CLASSES: &[Class] = &[];
