//! mio runtime (in progress)
