"""bridgetwin: CDK constructs for Amazon EventBridge and an offline twin that simulates them.

Importing this package stays light on purpose: it never loads ``aws_cdk`` (jsii starts a Node.js
process, ~2.5 s). The CDK constructs live in :mod:`bridgetwin.constructs` and load only on demand.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
