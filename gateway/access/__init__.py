"""Field-level access control: @access, @authenticated, @requiresScopes, @policy.

bff_common/access_rules.py reads the requirements from the supergraph;
bff_common/access_evaluate.py decides them for a principal (shared with the services;
policies.py compiles the declarative @policy rules); transform.py removes denied fields from
an operation before planning; errors.py places the FORBIDDEN / UNAUTHENTICATED errors;
bff_common/identity.py signs the caller's identity for the subgraphs. See README.md.
"""

from bff_common.access_rules import AccessRules, Requirement, read_rules

__all__ = ["AccessRules", "Requirement", "read_rules"]
