"""The pages of 民情收集, one module per channel; `common` holds what they share."""
