"""Units (the county's departments, townships and villages), their accounts and API tokens."""
