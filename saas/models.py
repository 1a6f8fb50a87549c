"""Imports every model so that the metadata is complete (for Alembic and the tests)."""
from saas.anonymity.models import Release, ReleaseGroup, ReportAccess  # noqa: F401
from billing.models import BillingAccount, BillingAccountMember, BillingEvent, ConsultantInvitation, TenantBilling  # noqa: F401
from saas.auth.models import User  # noqa: F401
from saas.benchmark.models import BenchmarkContribution, BenchmarkParticipation, BenchmarkRelease  # noqa: F401
from saas.auth.security_keys import SecurityKey  # noqa: F401
from saas.auth.twofactor import RecoveryCode, TwoFactor  # noqa: F401
from saas.actions.models import FigureCitation  # noqa: F401
from saas.comparison.models import Comparison  # noqa: F401
from saas.opentext.models import AnswerThemes  # noqa: F401
from saas.kernel.audit import AuditEntry, PlatformAuditEntry  # noqa: F401
from saas.kernel.db import Base
from saas.kernel.notifications import EmailOptOut, Notification  # noqa: F401
from saas.leadership.models import (  # noqa: F401
    Evidence, FeedbackAnswer, FeedbackInvitation, FeedbackPooledAnswer, FeedbackRound, Promise, PulseAnswer,
    PulseCodeBatch, PulseInvitation, PulsePooledAnswer, PulseRound,
)
from saas.kernel.outbox import OutboundMail  # noqa: F401
from saas.pitches.models import (  # noqa: F401
    Pitch, PitchAttachment, PitchEvent, PitchRevision, PitchSection, Review, ReviewScore, ScorecardCriterion,
)
from saas.programme.models import (  # noqa: F401
    Programme, ProgrammePhase, Sponsor, Supporter, Team, TeamMember, Theme,
)
from saas.strategy.models import (  # noqa: F401
    ActionPlan, Contribution, DevelopmentGoal, Evaluation, EvaluationPool, ExpectationCluster, ExpectationRound,
    KnowledgeDay, Pillar, PlanAction, Signup, Workshop,
)
from saas.reports.models import ReportFile  # noqa: F401
from saas.sso.models import OidcConnection, SsoIdentity
from saas.scim.models import ScimGroup, ScimGroupMapping, ScimGroupMember, ScimToken, ScimUser
from saas.privacy.models import Departure, RetentionPolicy  # noqa: F401
from saas.surveys.models import (  # noqa: F401
    CatalogueValue, PooledAnswer, Response, SurveyInvitation, Wave, WorksCouncilConsent,
)
from saas.surveys.kiosks import KioskDevice  # noqa: F401
from saas.worklog.models import Action, BenchmarkVisit, ClientInterview, SessionAttendee, WorkSession  # noqa: F401
from saas.kernel.job_models import JobRun  # noqa: F401
from saas.exit.models import TenantExport  # noqa: F401
from tenants.models import Invitation, LegacyOrganisation, Membership, MembershipRole, Tenant  # noqa: F401

metadata = Base.metadata
