//! Placeholder: this crate is being written (see ARCHITECTURE.md).
