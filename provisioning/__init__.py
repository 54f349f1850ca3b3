"""Terminal enrolment, heartbeat and the fleet server (to come)."""
