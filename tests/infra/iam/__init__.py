"""Infra checks of who may do what: IAM grants, the code's access, the public endpoint, data location."""
