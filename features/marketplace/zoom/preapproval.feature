@zoom
Feature: Zoom: installing apps, pre-approval and the account's app permissions
  Users install user-level apps themselves; admins holding the Marketplace
  role control account-level apps and the account's app permissions:
  pre-approval, exemptions, "Who Can Install", request email, and blocking
  user installs. (Zoom App Marketplace: "End User Authorization Flows".)

  Background:
    Given the company "Acme" with these people:
      | name  | role                        | email           | scopes                        |
      | Alice | admin with Marketplace:Edit | alice@acme.test | meeting:read, recording:read  |
      | Erin  | admin with Marketplace:Edit | erin@acme.test  | meeting:read                  |
      | Dave  | admin with Marketplace:View | dave@acme.test  | meeting:read                  |
      | Bob   | user                        | bob@acme.test   | meeting:read, meeting:write   |
      | Carol | user                        | carol@acme.test | meeting:read                  |
    And the company "Globex" with these people:
      | name | role                        | email            | scopes       |
      | Gina | admin with Marketplace:Edit | gina@globex.test | meeting:read |
      | Hank | user                        | hank@globex.test | meeting:read |
    And the app "Z Notes" requires the scopes "meeting:read"
    And the app "Recorder" requires the scopes "meeting:read, recording:read, cloud:write"
    And the app "CRM" is an account-level app
    And the app "CRM" requires the scopes "meeting:read"

  @ZM-01
  Scenario: Any user installs a user-level app, and deauthorizes it
    When Bob installs "Z Notes"
    And Carol installs "Z Notes"
    Then Bob sees "Z Notes" as "Authorized"
    And Carol sees "Z Notes" as "Authorized"
    When Bob uninstalls "Z Notes"
    Then Bob does not have "Z Notes"
    And "Z Notes" receives an uninstall callback for Bob
    And Carol sees "Z Notes" as "Authorized"

  @ZM-02
  Scenario Outline: Only an admin with Marketplace:Edit changes the account's app permissions
    When <who> turns the permission "Require pre-approval" ON
    Then it is refused because "not Marketplace:Edit"
    And the permission "Require pre-approval" is OFF for "Acme"

    Examples:
      | who  |
      | Dave |
      | Bob  |

  @ZM-02
  Scenario: An admin with Marketplace:Edit controls account-level apps
    When Bob installs "CRM"
    Then it is refused because "only admins install this app"
    When Alice installs "CRM"
    Then Bob has "CRM" through the account
    And Carol has "CRM" through the account
    And Hank does not have "CRM"

  @ZM-02 @X-02
  Scenario: An admin without Marketplace:Edit is refused an account-level app for lacking the role
    When Dave installs "CRM"
    Then it is refused because "not Marketplace:Edit"
    And nothing has changed
    When Alice gives Dave the Marketplace role "none"
    And Dave installs "CRM"
    Then it is refused because "not Marketplace:Edit"

  @ZM-03
  Scenario: With pre-approval required a member cannot install an app that is not pre-approved
    Given Alice has turned the permission "Require pre-approval" ON
    When Carol installs "Z Notes"
    Then it is refused because "pre-approval required"
    When Alice pre-approves "Z Notes"
    And Carol installs "Z Notes"
    Then Carol sees "Z Notes" as "Authorized"

  @ZM-04
  Scenario Outline: Apps made by Zoom or by the account's members can be exempted
    Given the app "Whiteboard" is made by Zoom
    And the app "Acme Forms" is made by a member of "Acme"
    And Alice has turned the permission "Require pre-approval" ON
    When Alice turns the permission "<exemption>" ON
    Then Carol may install "<exempt app>"
    And Carol may not install "Z Notes" because "pre-approval required"

    Examples:
      | exemption                           | exempt app |
      | Exempt apps made by Zoom            | Whiteboard |
      | Exempt apps made by account members | Acme Forms |

  @ZM-04
  Scenario: Without the exemption those apps need pre-approval too
    Given the app "Whiteboard" is made by Zoom
    When Alice turns the permission "Require pre-approval" ON
    Then Carol may not install "Whiteboard" because "pre-approval required"

  @ZM-05
  Scenario: Where development apps need pre-approval a user cannot install one for testing
    Given the app "Third Dev" is a development app
    When Alice turns the permission "Require pre-approval for development apps" ON
    Then Carol may not install "Third Dev" because "pre-approval required"
    And Carol may install "Z Notes"
    When Carol installs "Third Dev"
    Then it is refused because "pre-approval required"

  @ZM-06
  Scenario: Requiring pre-approval does not touch existing installations
    Given Bob has installed "Z Notes"
    When Alice turns the permission "Require pre-approval" ON
    Then Bob sees "Z Notes" as "Authorized"
    And Carol may not install "Z Notes" because "pre-approval required"

  @ZM-07
  Scenario: A user asks for pre-approval and an admin with Marketplace:Edit grants it
    Given Alice has turned the permission "Require pre-approval" ON
    When Carol requests pre-approval of "Z Notes"
    And Dave opens App Requests
    Then App Requests shows Carol's request for "Z Notes" as "pending"
    When Dave approves Carol's request for "Z Notes"
    Then it is refused because "not Marketplace:Edit"
    When Erin approves Carol's request for "Z Notes"
    Then "Z Notes" is "pre-approved" in "Acme"
    And Carol may install "Z Notes"

  @ZM-07
  Scenario: An admin with Marketplace:Edit rejects a pre-approval request
    Given Carol has requested pre-approval of "Z Notes"
    When Alice rejects Carol's request for "Z Notes"
    And Alice opens App Requests
    Then App Requests shows Carol's request for "Z Notes" as "denied"
    And "Z Notes" is "not pre-approved" in "Acme"

  @ZM-07
  Scenario Outline: Only a user without the app, for an app not pre-approved, asks for pre-approval
    Given Bob has installed "Z Notes"
    And Alice has pre-approved "Recorder"
    When <who> requests pre-approval of "<app>"
    Then it is refused because "<reason>"

    Examples:
      | who   | app      | reason                           |
      | Bob   | Z Notes  | already installed                |
      | Carol | Recorder | already pre-approved             |
      | Alice | Z Notes  | admins install without a request |

  @ZM-07 @ZM-16 @assumed
  Scenario: A user without the Marketplace role cannot see App Requests
    When Bob opens App Requests
    Then it is refused because "no Marketplace role"

  @ZM-08
  Scenario: A pre-approved app installs only for a user who holds every scope it requires
    Given Alice has pre-approved "Recorder"
    Then Carol may not install "Recorder" because "missing scopes"
    And Carol is shown the missing permissions "recording:read, cloud:write" for "Recorder"
    When Alice gives Carol the scopes "meeting:read, recording:read, cloud:write"
    Then Carol may install "Recorder"

  @ZM-09
  Scenario: Who Can Install limits new installs to the listed users
    Given Bob has installed "Z Notes"
    And Alice has installed "Z Notes"
    And Alice has turned the permission "Require pre-approval" ON
    When Alice pre-approves "Z Notes" with Who Can Install "carol@acme.test"
    Then Carol may install "Z Notes"
    And Dave may not install "Z Notes" because "not on Who Can Install"
    And Bob sees "Z Notes" as "Authorized"

  @ZM-09
  Scenario: Who Can Install needs the app activated or installed on the admin's account
    When Alice pre-approves "Z Notes" with Who Can Install "carol@acme.test"
    Then it is refused because "app not activated or installed on the account"

  @ZM-10
  Scenario: With no recipients chosen every admin with Marketplace:Edit gets the request email
    Then pre-approval requests in "Acme" are emailed to Alice and Erin
    When Carol requests pre-approval of "Z Notes"
    Then Alice gets an email with the subject "carol@acme.test requested pre-approval of Z Notes"
    And Erin gets an email with the subject "carol@acme.test requested pre-approval of Z Notes"
    And Dave gets no email

  @ZM-10
  Scenario: The request email goes to the chosen admins
    Given Alice has chosen Erin to get the pre-approval request email
    When Carol requests pre-approval of "Z Notes"
    Then Erin gets an email with the subject "carol@acme.test requested pre-approval of Z Notes"
    And Alice gets no email

  @ZM-10
  Scenario: Turned off, no email is sent but the request is still listed
    Given Alice has turned the pre-approval request email OFF
    Then pre-approval requests in "Acme" are emailed to nobody
    When Carol requests pre-approval of "Z Notes"
    Then nobody gets an email
    When Alice opens App Requests
    Then App Requests shows Carol's request for "Z Notes" as "pending"

  @ZM-10
  Scenario: Only admins with Marketplace:Edit can be chosen
    When Alice chooses Dave to get the pre-approval request email
    Then it is refused because "not Marketplace:Edit"

  @ZM-11
  Scenario: Switching off an app's pre-approval disables it for every user
    Given Alice has pre-approved "Z Notes"
    And Carol has installed "Z Notes"
    When Alice switches off the pre-approval of "Z Notes"
    Then Carol sees "Z Notes" as "Disabled by admin"
    And "Z Notes" is "disabled" in "Acme"
    And Bob may not install "Z Notes" because "app disabled by admin"

  @ZM-12 @ZM-22 @assumed
  Scenario: Users ask admins to install an admin-only app, and no email is sent
    When Bob requests to install "CRM"
    Then nobody gets an email
    When Alice opens App Requests
    Then App Requests shows Bob's request for "CRM" as "pending"
    When Alice approves Bob's request for "CRM"
    Then Bob has "CRM" through the account

  @ZM-12
  Scenario: An admin rejects a Request to Install
    Given Bob has requested to install "CRM"
    When Erin rejects Bob's request for "CRM"
    Then Bob does not have "CRM"
    And Bob may not install "CRM" because "only admins install this app"

  @ZM-13
  Scenario: Uninstalling asks for confirmation
    Given Bob has installed "Z Notes"
    When Bob starts uninstalling "Z Notes" but does not confirm
    Then it is refused because "uninstall not confirmed"
    And nothing has changed
    When Bob uninstalls "Z Notes"
    Then Bob does not have "Z Notes"

  @ZM-13
  Scenario: Uninstalling an account-level app removes it from the account
    Given Alice has installed "CRM"
    When Erin uninstalls "CRM"
    Then Bob does not have "CRM"
    And Alice does not have "CRM"
    And "CRM" receives an uninstall callback for Erin

  @ZM-14
  Scenario: An admin prevents users from installing apps at all
    When Alice turns the permission "Block user installs" ON
    Then Carol may not install "Z Notes" because "users may not install apps"
    When Carol installs "Z Notes"
    Then it is refused because "users may not install apps"

  @ZM-15 @assumed
  Scenario: A user whose request is rejected is told
    Given Carol has requested pre-approval of "Z Notes"
    When Alice rejects Carol's request for "Z Notes" saying "use Whiteboard"
    Then Carol gets an in-app notification about "Z Notes"
    And Carol gets an in-app notification saying "use Whiteboard"

  @ZM-16 @assumed
  Scenario: Any admin sets held scopes; only admins hold the Marketplace role
    When Alice gives Erin the Marketplace role "Marketplace:View"
    Then Erin may not install "CRM" because "not Marketplace:Edit"
    When Alice gives Dave the Marketplace role "Marketplace:Edit"
    And Dave turns the permission "Require pre-approval" ON
    Then the permission "Require pre-approval" is ON for "Acme"
    When Alice gives Bob the Marketplace role "Marketplace:View"
    Then it is refused because "not admin"
    When Bob gives Carol the scopes "recording:read"
    Then it is refused because "not admin"

  @ZM-08 @ZM-16 @assumed
  Scenario: Giving a user scopes adds to those they hold; setting them replaces
    When Alice gives Carol the scopes "recording:read, cloud:write"
    Then Carol may install "Recorder"
    When Alice sets Carol's scopes to "recording:read"
    Then Carol may not install "Recorder" because "missing scopes"

  @ZM-25 @assumed
  Scenario: Only an admin with Marketplace:Edit changes Marketplace roles, their own included
    When Dave gives Dave the Marketplace role "Marketplace:Edit"
    Then it is refused because "not Marketplace:Edit"
    And nothing has changed
    When Dave gives Erin the Marketplace role "Marketplace:View"
    Then it is refused because "not Marketplace:Edit"
    When Erin gives Dave the Marketplace role "Marketplace:Edit"
    And Dave turns the permission "Require pre-approval" ON
    Then the permission "Require pre-approval" is ON for "Acme"
    When Erin gives Erin the Marketplace role "Marketplace:View"
    Then Erin may not install "CRM" because "not Marketplace:Edit"

  @ZM-17 @assumed
  Scenario: An admin with Marketplace:Edit is not held back, but still needs the scopes
    Given Alice has turned the permission "Require pre-approval" ON
    And Alice has turned the permission "Block user installs" ON
    Then Alice may install "Z Notes"
    And Alice may not install "Recorder" because "missing scopes"

  @ZM-17 @ZM-18 @assumed
  Scenario: A withdrawn pre-approval disables the app until it is pre-approved again
    Given Alice has pre-approved "Z Notes"
    And Carol has installed "Z Notes"
    And Alice has installed "Z Notes"
    When Alice switches off the pre-approval of "Z Notes"
    Then Carol sees "Z Notes" as "Disabled by admin"
    And Alice sees "Z Notes" as "Disabled by admin"
    When Alice pre-approves "Z Notes"
    Then Carol sees "Z Notes" as "Authorized"

  @ZM-19 @assumed
  Scenario: Every install needs the scopes, but an admin's install on a requester's behalf is not checked against the requester's
    Given the app "Team CRM" is an account-level app
    And the app "Team CRM" requires the scopes "recording:read"
    Then Carol may not install "Recorder" because "missing scopes"
    When Bob requests to install "Team CRM"
    And Alice approves Bob's request for "Team CRM"
    Then Bob has "Team CRM" through the account

  @ZM-20 @assumed
  Scenario: A development app made by the account's members can be exempted
    Given the app "Acme Dev" is a development app
    And the app "Acme Dev" is made by a member of "Acme"
    And Alice has turned the permission "Require pre-approval for development apps" ON
    When Alice turns the permission "Exempt apps made by account members" ON
    Then Carol may install "Acme Dev"

  @ZM-20 @assumed
  Scenario: A development app made elsewhere still needs pre-approval
    Given the app "Third Dev" is a development app
    And Alice has turned the permission "Require pre-approval for development apps" ON
    When Alice turns the permission "Exempt apps made by account members" ON
    Then Carol may not install "Third Dev" because "pre-approval required"

  @ZM-21 @assumed
  Scenario: One pending request per user and app; approving leaves the others' requests pending
    Given Carol has requested pre-approval of "Z Notes"
    When Carol requests pre-approval of "Z Notes"
    Then it is refused because "request already pending"
    When Bob requests pre-approval of "Recorder"
    And Erin requests pre-approval of "Recorder"
    Then it is refused because "admins install without a request"

  @ZM-21 @assumed
  Scenario: Approving one user's request pre-approves the app for the account
    Given Carol has requested pre-approval of "Recorder"
    And Bob has requested pre-approval of "Recorder"
    When Alice approves Carol's request for "Recorder"
    And Alice opens App Requests
    Then "Recorder" is "pre-approved" in "Acme"
    And App Requests shows Bob's request for "Recorder" as "pending"

  @ZM-22 @assumed
  Scenario: The request email comes from no-reply@zoom.us, and falls back when a chosen admin loses the role
    Given Alice has chosen Erin to get the pre-approval request email
    When Alice gives Erin the Marketplace role "Marketplace:View"
    Then pre-approval requests in "Acme" are emailed to Alice
    When Carol requests pre-approval of "Z Notes"
    Then the email with the subject "carol@acme.test requested pre-approval of Z Notes" comes from "no-reply@zoom.us"
    And Erin gets no email

  @ZM-23 @assumed
  Scenario: Blocking user installs still lets users ask, and admins install for them
    Given Alice has turned the permission "Block user installs" ON
    When Carol requests pre-approval of "Z Notes"
    And Bob requests to install "CRM"
    And Alice approves Bob's request for "CRM"
    Then Bob has "CRM" through the account
    And Carol may not install "Z Notes" because "users may not install apps"

  @ZM-24 @assumed
  Scenario Outline: Only an admin with Marketplace:Edit removes an account-level app
    Given Alice has installed "CRM"
    When <who> uninstalls "CRM"
    Then it is refused because "not Marketplace:Edit"
    And Bob has "CRM" through the account

    Examples:
      | who  |
      | Bob  |
      | Dave |

  @X-01
  Scenario: The Zoom log replays to the same marketplace
    Given Alice has turned the permission "Require pre-approval" ON
    And Carol has requested pre-approval of "Z Notes"
    And Alice has approved Carol's request for "Z Notes"
    And Carol has installed "Z Notes"
    And Bob has requested to install "CRM"
    And Erin has approved Bob's request for "CRM"
    And Alice has switched off the pre-approval of "Z Notes"
    When Alice gives Carol the scopes "meeting:read, recording:read"
    Then replaying the event log gives the same marketplace

  @X-03
  Scenario: One account's permissions and approvals do not reach another
    Given Gina has turned the permission "Require pre-approval" ON
    And Alice has pre-approved "Recorder"
    Then Carol may install "Z Notes"
    And Hank may not install "Z Notes" because "pre-approval required"
    And "Recorder" is "not pre-approved" in "Globex"
    And the permission "Require pre-approval" is OFF for "Acme"
