"""The bundled example designs (data package; see designer.zoo)."""
