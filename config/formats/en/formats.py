"""English dates as the site always wrote them ("December 2, 2026"), not Django's "Dec. 2, 2026".

Other languages use Django's own formats ("2. Dezember 2026", "2 décembre 2026").
"""

DATE_FORMAT = "F j, Y"
DATETIME_FORMAT = r"F j, Y \a\t H:i"
YEAR_MONTH_FORMAT = "F Y"
