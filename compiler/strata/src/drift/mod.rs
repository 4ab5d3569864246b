//! `strata drift` (in progress).
