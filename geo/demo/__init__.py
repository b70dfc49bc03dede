"""The demo city: Jilin City's real districts and street names with generated outlines below them.

Everything here is demo data (``is_demo``); a deployment imports the city's own survey instead.
"""

from geo.demo.city import DEFAULT_SEED, build_demo_city
from geo.demo.divisions import NAMED_COMMUNITIES
from geo.demo.model import DemoCity, DemoDivision, DemoFeature, DemoUnit, Progress

__all__ = [
    "DEFAULT_SEED",
    "NAMED_COMMUNITIES",
    "DemoCity",
    "DemoDivision",
    "DemoFeature",
    "DemoUnit",
    "Progress",
    "build_demo_city",
]
