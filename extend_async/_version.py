# The one place the version is written: the build reads it from here ([tool.hatch.version]
# in pyproject.toml), so a release bumps this line only.
__version__ = "0.1.0"
