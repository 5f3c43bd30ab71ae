"""The leads as CSV: the export (the list, the admin) and the import (the admin, a command)."""
