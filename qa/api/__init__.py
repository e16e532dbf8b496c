"""QA API, one module per concern; the URL conf reads the views from here."""

from qa.api.calibration_views import (
    CalibrationCloseView,
    CalibrationEvaluateView,
    CalibrationsView,
    CalibrationView,
)
from qa.api.evaluations import (
    CoachingDoneView,
    DisputeOpenView,
    DisputeResolveView,
    DisputeReviewView,
    DisputesView,
    EvaluationsView,
    EvaluationView,
    PlanCloseView,
    PlanSessionsView,
    PlansView,
)
from qa.api.records import (
    AppraisalsView,
    AppraisalView,
    BestCallsView,
    QaReportsView,
    RecordingMediaView,
)
from qa.api.setup import (
    QueueView,
    SamplingRunView,
    SamplingView,
    ScorecardsView,
    ScorecardView,
)

__all__ = [
    "AppraisalView",
    "AppraisalsView",
    "BestCallsView",
    "CalibrationCloseView",
    "CalibrationEvaluateView",
    "CalibrationView",
    "CalibrationsView",
    "CoachingDoneView",
    "DisputeOpenView",
    "DisputeResolveView",
    "DisputeReviewView",
    "DisputesView",
    "EvaluationView",
    "EvaluationsView",
    "PlanCloseView",
    "PlanSessionsView",
    "PlansView",
    "QaReportsView",
    "QueueView",
    "RecordingMediaView",
    "SamplingRunView",
    "SamplingView",
    "ScorecardView",
    "ScorecardsView",
]
