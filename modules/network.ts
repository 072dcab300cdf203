/**
 * Network layer: a VPC over the two AZs the stage names, public subnets for the ALB, free gateway endpoints
 * (DynamoDB, S3), and egress for the API tasks, which call AWS APIs, Cognito's JWKS and ECR public (X-Ray image):
 *  - with a NAT gateway (prod): tasks in private subnets, HTTPS out through the NAT;
 *  - without (dev): tasks in the public subnets with a public IP, reachable only from the ALB (security group),
 *    HTTPS out to the internet. No interface endpoints: 8 of them in 2 AZs cost $117/month idle, more than the
 *    whole dev stage should (docs/costs.md), and the JWKS fetch needs the internet anyway.
 * Least-open security groups: the internet reaches only the ALB, the ALB only the tasks' port.
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
import type { StageConfig } from './stage-config';

export const gatewayEndpointServices = ['dynamodb', 's3'] as const;

export interface NetworkLayerProps {
  readonly prefix: string;
  readonly config: StageConfig;
}

export class NetworkLayer extends Construct {
  readonly vpc: Vpc;
  readonly publicSubnets: Subnet[];
  readonly privateSubnets: Subnet[];
  /** Where the API tasks run, and whether they need a public IP for egress. */
  readonly taskSubnets: Subnet[];
  readonly tasksNeedPublicIp: boolean;
  readonly albSecurityGroup: SecurityGroup;
  readonly tasksSecurityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: NetworkLayerProps) {
    super(scope, id);
    const { config, prefix } = props;
    this.vpc = new Vpc(this, 'vpc', {
      cidrBlock: config.vpcCidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: prefix },
    });
    const igw = new InternetGateway(this, 'igw', { vpcId: this.vpc.id, tags: { Name: prefix } });

    const publicRoutes = new RouteTable(this, 'public-routes', {
      vpcId: this.vpc.id,
      tags: { Name: `${prefix}-public` },
    });
    new Route(this, 'public-default', {
      routeTableId: publicRoutes.id,
      destinationCidrBlock: '0.0.0.0/0',
      gatewayId: igw.id,
    });
    const privateRoutes = new RouteTable(this, 'private-routes', {
      vpcId: this.vpc.id,
      tags: { Name: `${prefix}-private` },
    });

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
      const nat = new NatGateway(this, 'nat', {
        allocationId: eip.id,
        subnetId: this.publicSubnets[0].id,
        tags: { Name: prefix },
        dependsOn: [igw],
      });
      new Route(this, 'private-default', {
        routeTableId: privateRoutes.id,
        destinationCidrBlock: '0.0.0.0/0',
        natGatewayId: nat.id,
      });
    }

    const group = (name: string, description: string): SecurityGroup =>
      new SecurityGroup(this, `sg-${name}`, {
        name: `${prefix}-${name}`,
        description,
        vpcId: this.vpc.id,
        tags: { Name: `${prefix}-${name}` },
      });
    this.albSecurityGroup = group('alb', 'Internet-facing load balancer of the API');
    this.tasksSecurityGroup = group('api-tasks', 'API tasks: traffic from the ALB only');
    this.tasksNeedPublicIp = !config.natGateway;
    this.taskSubnets = config.natGateway ? this.privateSubnets : this.publicSubnets;

    const port = config.api.containerPort;
    const listenerPorts = config.certificateArn === undefined ? [80] : [80, 443];
    for (const listenerPort of listenerPorts) {
      new VpcSecurityGroupIngressRule(this, `alb-in-${listenerPort}`, {
        securityGroupId: this.albSecurityGroup.id,
        ipProtocol: 'tcp',
        fromPort: listenerPort,
        toPort: listenerPort,
        cidrIpv4: '0.0.0.0/0',
        description: 'Clients',
      });
    }
    new VpcSecurityGroupEgressRule(this, 'alb-out-tasks', {
      securityGroupId: this.albSecurityGroup.id,
      ipProtocol: 'tcp',
      fromPort: port,
      toPort: port,
      referencedSecurityGroupId: this.tasksSecurityGroup.id,
      description: 'API tasks',
    });
    new VpcSecurityGroupIngressRule(this, 'tasks-in-alb', {
      securityGroupId: this.tasksSecurityGroup.id,
      ipProtocol: 'tcp',
      fromPort: port,
      toPort: port,
      referencedSecurityGroupId: this.albSecurityGroup.id,
      description: 'ALB',
    });
    // AWS APIs, Cognito's JWKS and ECR public: HTTPS only, through the NAT or the task's public IP.
    new VpcSecurityGroupEgressRule(this, 'tasks-out-internet', {
      securityGroupId: this.tasksSecurityGroup.id,
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      cidrIpv4: '0.0.0.0/0',
      description: config.natGateway ? 'HTTPS through the NAT gateway' : 'HTTPS through the task public IP',
    });

    for (const service of gatewayEndpointServices) {
      const endpoint = new VpcEndpoint(this, `endpoint-${service}`, {
        vpcId: this.vpc.id,
        serviceName: `com.amazonaws.${config.region}.${service}`,
        vpcEndpointType: 'Gateway',
        routeTableIds: [privateRoutes.id, publicRoutes.id],
        tags: { Name: `${prefix}-${service}` },
      });
      new VpcSecurityGroupEgressRule(this, `tasks-out-${service}`, {
        securityGroupId: this.tasksSecurityGroup.id,
        ipProtocol: 'tcp',
        fromPort: 443,
        toPort: 443,
        prefixListId: endpoint.prefixListId,
        description: `${service} gateway endpoint`,
      });
    }
  }
}
