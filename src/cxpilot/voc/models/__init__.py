"""App-DB tables of the voice-of-the-customer domain, one module per subject."""

from cxpilot.voc.models.cases import *  # noqa: F403
from cxpilot.voc.models.surveys import *  # noqa: F403
