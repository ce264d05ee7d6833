package server

// defaultApprovalMatrix is the approval matrix the server runs with (amounts in CNY):
//
//   - up to 500,000: grades BBB and better need one branch approver; worse grades also go
//     to the credit committee;
//   - above 500,000 up to 5,000,000: a branch approver with authority of at least
//     1,000,000 (and the amount), then the credit committee;
//   - above 5,000,000: a branch approver, then two members of the credit committee.
//
// Approving above the assessed limit, or against a declining assessment, needs the
// committee role with authority of at least 5,000,000 and a reason. Deciding at a stage
// always needs authority of at least the stage's and the amount.
const defaultApprovalMatrix = `{
  "bands": [
    {"above": "0", "up_to": "500000", "routes": [
      {"grades": ["AAA", "AA", "A", "BBB"], "stages": [
        {"name": "branch approval", "role": "approver", "authority": "500000"}]},
      {"stages": [
        {"name": "branch approval", "role": "approver", "authority": "500000"},
        {"name": "credit committee", "role": "committee", "authority": "5000000"}]}]},
    {"above": "500000", "up_to": "5000000", "routes": [
      {"stages": [
        {"name": "branch approval", "role": "approver", "authority": "1000000"},
        {"name": "credit committee", "role": "committee", "authority": "5000000"}]}]},
    {"above": "5000000", "routes": [
      {"stages": [
        {"name": "branch approval", "role": "approver", "authority": "5000000"},
        {"name": "credit committee", "role": "committee", "authority": "50000000", "approvals": 2}]}]}
  ],
  "override": {"role": "committee", "authority": "5000000"}
}`
