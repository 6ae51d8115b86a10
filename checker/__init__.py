"""natpolicy: catch Terraform changes that cut private subnets off the internet, before apply."""

__version__ = "0.1.0"
