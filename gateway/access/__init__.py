"""Field-level access control: @access, @authenticated, @requiresScopes, @policy.

rules.py reads the requirements from the supergraph; evaluate.py decides them for
a principal (policies.py compiles the declarative @policy rules); transform.py removes denied fields from an operation before planning;
errors.py places the FORBIDDEN / UNAUTHENTICATED errors; identity.py signs the
caller's identity for the subgraphs. See README.md.
"""

from bff_common.access_rules import AccessRules, Requirement, read_rules

from .evaluate import Evaluator

__all__ = ["AccessRules", "Evaluator", "Requirement", "read_rules"]
