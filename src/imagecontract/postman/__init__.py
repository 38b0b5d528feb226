"""Postman interchange: importing a Postman collection (and its test scripts) and exporting one."""
