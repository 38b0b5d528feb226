"""imagecontract: contract tests for the OpenAI Images API and compatible gateways."""

__version__ = "0.1.0"
