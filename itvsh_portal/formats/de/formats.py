"""German date and time formats of the portal, over Django's own `de` locale (which writes "1. März 2025"): dates
as DD.MM.YYYY everywhere (the admin's lists, read-only fields and inputs), times in local time (TIME_ZONE,
Europe/Berlin) with "Uhr". Inputs accept DD.MM.YYYY, DD.MM.YY and ISO (YYYY-MM-DD, what browsers' date inputs
send). Everything not named here (decimal separator, first day of week, …) comes from Django's `de` locale."""

DATE_FORMAT = "d.m.Y"
SHORT_DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = r"d.m.Y, H:i \U\h\r"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
TIME_FORMAT = "H:i"
DATE_INPUT_FORMATS = ["%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = ["%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
