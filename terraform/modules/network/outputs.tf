output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "public_subnet_ids" {
  description = "IDs of the public subnets (ALB, NAT), one per AZ."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "IDs of the private subnets (PostgreSQL, PostgREST, workers), one per AZ."
  value       = aws_subnet.private[*].id
}

output "security_group_ids" {
  description = "Security group IDs by role: alb, api, worker, postgres, endpoints."
  value = {
    alb       = aws_security_group.alb.id
    api       = aws_security_group.api.id
    worker    = aws_security_group.worker.id
    postgres  = aws_security_group.postgres.id
    endpoints = aws_security_group.endpoints.id
  }
}

output "interface_endpoint_services" {
  description = "Services reachable from the private subnets through interface endpoints."
  value       = keys(aws_vpc_endpoint.interface)
}

output "nat_gateway_count" {
  description = "Number of NAT gateways created."
  value       = length(aws_nat_gateway.this)
}
