// A small client workspace: owner 100, admins 101/102, developers 103/104,
// a partner analyst 105 (grant 5000), a waiting invitation and a request.
export const WS = 1;
// The time decisions are asked at (seconds), before the invitation expires
// (1000) and the grant (2000).
export const NOW = 500;
export const GRANT_EXPIRES = 2000;
export const snapshot = () => ({
  accounts: [
    { id: 100, email: "owner@client.io" },
    { id: 101, email: "admin@client.io" },
    { id: 102, email: "admin2@client.io" },
    { id: 103, email: "dev@client.io" },
    { id: 104, email: "dev2@client.io" },
    { id: 105, email: "analyst@partner.io" },
    { id: 107, email: "invitee@example.com" },
    { id: 200, email: "boss@partner.io" },
    { id: 900, email: "support@gatehouse.io", support: true },
  ],
  companies: [
    { id: 10, client_enabled: true, members: [{ account: 100, admin: true }] },
    { id: 20, partner_enabled: true, members: [{ account: 200, admin: true }, { account: 105 }] },
  ],
  workspaces: [
    {
      id: WS,
      company: 10,
      data_studio: true,
      members: [
        { account: 100, role: "owner" },
        { account: 101, role: "admin" },
        { account: 102, role: "admin" },
        { account: 103, role: "developer" },
        { account: 104, role: "developer" },
        { account: 105, role: "developer", partner: 20 },
      ],
      invitations: [{ id: 3000, email: "invitee@example.com", role: "developer", expires_at: 1000 }],
      requests: [{ id: 4000, account: 104 }],
      toggles: {
        admin: [
          "users.add", "users.authorize", "users.change_permission", "users.delete",
          "connected_account.create", "connected_account.edit", "connected_account.delete",
          "api_gateway.create", "api_gateway.edit", "api_gateway.delete",
          "api_gateway_users.create", "api_gateway_users.edit", "api_gateway_users.delete",
          "integrations.create", "integrations.edit",
        ],
        developer: ["integrations.create", "integrations.edit"],
        version: 3,
      },
      groups: [
        { id: 50, name: "default", is_default: true },
        { id: 51, name: "Finance", members: [103] },
      ],
      resources: [
        { id: 600, kind: "integration", groups: [51] },
        { id: 601, kind: "flow", integration: 600, components: [700, 701] },
        { id: 700, kind: "data_job", groups: [51] },
        { id: 701, kind: "file_job", groups: [] },
        { id: 702, kind: "file_job", groups: [51] },
        { id: 603, kind: "flow", integration: 600, components: [702] },
      ],
    },
  ],
  grants: [
    { id: 5000, client: 10, partner: 20, workspaces: [WS], role: "developer", sections: ["integrations"], redeemed: true, expires_at: GRANT_EXPIRES },
  ],
});
