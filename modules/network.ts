/**
 * Network layer: a VPC over the two AZs the stage names, public subnets for the ALB, private subnets for the
 * API tasks, gateway endpoints (DynamoDB, S3) and interface endpoints (ECR, logs, events, states, sqs,
 * secretsmanager, xray) so the private subnets reach AWS without a NAT gateway, and least-open security groups:
 * the internet reaches only the ALB, the ALB only the tasks' port, the tasks only the endpoints on 443.
 */
import { Construct } from 'constructs';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway';
import { Route } from '@cdktf/provider-aws/lib/route';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { StageConfig } from './stage-config';

/** Services the API tasks reach through interface endpoints (the X-Ray daemon sidecar included). */
export const interfaceEndpointServices = ['ecr.api', 'ecr.dkr', 'logs', 'events', 'states', 'sqs', 'secretsmanager', 'xray'] as const;
export const gatewayEndpointServices = ['dynamodb', 's3'] as const;

export interface NetworkLayerProps {
  readonly prefix: string;
  readonly config: StageConfig;
}

export class NetworkLayer extends Construct {
  readonly vpc: Vpc;
  readonly publicSubnets: Subnet[];
  readonly privateSubnets: Subnet[];
  readonly albSecurityGroup: SecurityGroup;
  readonly tasksSecurityGroup: SecurityGroup;
  readonly endpointsSecurityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: NetworkLayerProps) {
    super(scope, id);
    const { config, prefix } = props;
    this.vpc = new Vpc(this, 'vpc', { cidrBlock: config.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: prefix } });
    const igw = new InternetGateway(this, 'igw', { vpcId: this.vpc.id, tags: { Name: prefix } });

    const publicRoutes = new RouteTable(this, 'public-routes', { vpcId: this.vpc.id, tags: { Name: `${prefix}-public` } });
    new Route(this, 'public-default', { routeTableId: publicRoutes.id, destinationCidrBlock: '0.0.0.0/0', gatewayId: igw.id });
    const privateRoutes = new RouteTable(this, 'private-routes', { vpcId: this.vpc.id, tags: { Name: `${prefix}-private` } });

    this.publicSubnets = config.availabilityZones.map((az, i) => {
      const subnet = new Subnet(this, `public-${i}`, {
        vpcId: this.vpc.id,
        availabilityZone: az,
        cidrBlock: config.publicSubnetCidrs[i],
        mapPublicIpOnLaunch: false,
        tags: { Name: `${prefix}-public-${az}` },
      });
      new RouteTableAssociation(this, `public-${i}-routes`, { subnetId: subnet.id, routeTableId: publicRoutes.id });
      return subnet;
    });
    this.privateSubnets = config.availabilityZones.map((az, i) => {
      const subnet = new Subnet(this, `private-${i}`, {
        vpcId: this.vpc.id,
        availabilityZone: az,
        cidrBlock: config.privateSubnetCidrs[i],
        tags: { Name: `${prefix}-private-${az}` },
      });
      new RouteTableAssociation(this, `private-${i}-routes`, { subnetId: subnet.id, routeTableId: privateRoutes.id });
      return subnet;
    });
    if (config.natGateway) {
      const eip = new Eip(this, 'nat-ip', { domain: 'vpc', tags: { Name: `${prefix}-nat` } });
      const nat = new NatGateway(this, 'nat', { allocationId: eip.id, subnetId: this.publicSubnets[0].id, tags: { Name: prefix }, dependsOn: [igw] });
      new Route(this, 'private-default', { routeTableId: privateRoutes.id, destinationCidrBlock: '0.0.0.0/0', natGatewayId: nat.id });
    }

    const group = (name: string, description: string): SecurityGroup =>
      new SecurityGroup(this, `sg-${name}`, { name: `${prefix}-${name}`, description, vpcId: this.vpc.id, tags: { Name: `${prefix}-${name}` } });
    this.albSecurityGroup = group('alb', 'Internet-facing load balancer of the API');
    this.tasksSecurityGroup = group('api-tasks', 'API tasks: traffic from the ALB only');
    this.endpointsSecurityGroup = group('endpoints', 'Interface VPC endpoints: HTTPS from the API tasks only');

    const port = config.api.containerPort;
    const listenerPorts = config.certificateArn === undefined ? [80] : [80, 443];
    for (const listenerPort of listenerPorts) {
      new VpcSecurityGroupIngressRule(this, `alb-in-${listenerPort}`, {
        securityGroupId: this.albSecurityGroup.id, ipProtocol: 'tcp', fromPort: listenerPort, toPort: listenerPort, cidrIpv4: '0.0.0.0/0', description: 'Clients',
      });
    }
    new VpcSecurityGroupEgressRule(this, 'alb-out-tasks', {
      securityGroupId: this.albSecurityGroup.id, ipProtocol: 'tcp', fromPort: port, toPort: port, referencedSecurityGroupId: this.tasksSecurityGroup.id, description: 'API tasks',
    });
    new VpcSecurityGroupIngressRule(this, 'tasks-in-alb', {
      securityGroupId: this.tasksSecurityGroup.id, ipProtocol: 'tcp', fromPort: port, toPort: port, referencedSecurityGroupId: this.albSecurityGroup.id, description: 'ALB',
    });
    new VpcSecurityGroupEgressRule(this, 'tasks-out-endpoints', {
      securityGroupId: this.tasksSecurityGroup.id, ipProtocol: 'tcp', fromPort: 443, toPort: 443, referencedSecurityGroupId: this.endpointsSecurityGroup.id, description: 'Interface endpoints',
    });
    new VpcSecurityGroupIngressRule(this, 'endpoints-in-tasks', {
      securityGroupId: this.endpointsSecurityGroup.id, ipProtocol: 'tcp', fromPort: 443, toPort: 443, referencedSecurityGroupId: this.tasksSecurityGroup.id, description: 'API tasks',
    });
    if (config.natGateway) {
      new VpcSecurityGroupEgressRule(this, 'tasks-out-internet', {
        securityGroupId: this.tasksSecurityGroup.id, ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0', description: 'HTTPS through the NAT gateway',
      });
    }

    for (const service of gatewayEndpointServices) {
      const endpoint = new VpcEndpoint(this, `endpoint-${service}`, {
        vpcId: this.vpc.id,
        serviceName: `com.amazonaws.${config.region}.${service}`,
        vpcEndpointType: 'Gateway',
        routeTableIds: [privateRoutes.id],
        tags: { Name: `${prefix}-${service}` },
      });
      new VpcSecurityGroupEgressRule(this, `tasks-out-${service}`, {
        securityGroupId: this.tasksSecurityGroup.id, ipProtocol: 'tcp', fromPort: 443, toPort: 443, prefixListId: endpoint.prefixListId, description: `${service} gateway endpoint`,
      });
    }
    for (const service of interfaceEndpointServices) {
      new VpcEndpoint(this, `endpoint-${service.replace('.', '-')}`, {
        vpcId: this.vpc.id,
        serviceName: `com.amazonaws.${config.region}.${service}`,
        vpcEndpointType: 'Interface',
        privateDnsEnabled: true,
        subnetIds: this.privateSubnets.map((s) => s.id),
        securityGroupIds: [this.endpointsSecurityGroup.id],
        tags: { Name: `${prefix}-${service}` },
      });
    }
  }
}
