//! Placeholder: replaced by the LZF codec.
