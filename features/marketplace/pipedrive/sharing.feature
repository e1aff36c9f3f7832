@pipedrive
Feature: Adding an app to other users of a Pipedrive company
  An admin can add a Marketplace app to other users of the company: only
  themselves, specific users, or all users. Each user still authorizes the
  app for themselves. (Pipedrive: "App sharing: Adding apps to multiple
  users"; knowledge base: "Adding apps to other users".)

  Background:
    Given the company "Acme" with these people:
      | name  | role  |
      | Alice | admin |
      | Dave  | admin |
      | Bob   | user  |
      | Carol | user  |
    And the company "Globex" with these people:
      | name | role  |
      | Gina | admin |
      | Hank | user  |
    And the app "Deal Insights" is shared in the shared-extensions mode
    And the app "Notes Sync" is shared in the add-to-account mode

  @PD-SHARE-01
  Scenario: An app without sharing is only for the user who installed it
    Given the app "Solo Tool" has no sharing
    When Alice installs "Solo Tool"
    Then Alice sees "Solo Tool" as "Authorized"
    And Bob does not have "Solo Tool"
    And Bob's JSON panel of "Solo Tool" needs authorization
    And Bob does not see "Solo Tool" in the apps dock

  @PD-SHARE-01
  Scenario: An app without sharing cannot be added to other users
    Given the app "Solo Tool" has no sharing
    When Alice installs "Solo Tool" for all users
    Then it is refused because "sharing mode forbids"
    And nothing has changed

  @PD-SHARE-02
  Scenario Outline: Only the marketplace sets an app's sharing mode
    Given the app "Solo Tool" has no sharing
    When the <party> sets the sharing mode of "Solo Tool" to add-to-account
    Then it is refused because "only the marketplace sets the sharing mode"
    And the sharing mode of "Solo Tool" is none

    Examples:
      | party   |
      | vendor  |
      | company |

  @PD-SHARE-02
  Scenario Outline: The marketplace gives an app one sharing mode at a time
    Given the app "Solo Tool" has no sharing
    When the marketplace sets the sharing mode of "Solo Tool" to <mode>
    Then the sharing mode of "Solo Tool" is <mode>

    Examples:
      | mode              |
      | add-to-account    |
      | shared-extensions |
      | none              |

  @PD-SHARE-02
  Scenario: An app listed without a sharing mode has none
    Given the app "Plain" is listed
    Then the sharing mode of "Plain" is none

  @PD-SHARE-03
  Scenario Outline: A user without admin permissions cannot add an app to others
    When Bob installs "Deal Insights" for <access>
    Then it is refused because "not admin"
    And nothing has changed

    Examples:
      | access    |
      | all users |
      | Carol     |

  @PD-SHARE-03
  Scenario: A user without admin permissions installs an app for themselves
    When Bob installs "Deal Insights" for only himself
    Then Bob sees "Deal Insights" as "Authorized"
    And Carol does not have "Deal Insights"

  @PD-SHARE-03 @X-02
  Scenario: A user without admin permissions who installed an app for himself cannot add it for a colleague
    Given Bob has installed "Deal Insights" for only himself
    When Bob adds "Deal Insights" to Carol
    Then it is refused because "not admin"
    And nothing has changed

  @PD-SHARE-04
  Scenario Outline: Installing a sharable app, the admin picks who gets it
    When Alice installs "Deal Insights" for <access>
    Then Alice sees "Deal Insights" as "Authorized"
    And Bob sees "Deal Insights" as "<Bob sees>"
    And Carol sees "Deal Insights" as "<Carol sees>"

    Examples:
      | access       | Bob sees      | Carol sees    |
      | only herself | Not installed | Not installed |
      | Bob          | Authorize app | Not installed |
      | all users    | Authorize app | Authorize app |

  @PD-SHARE-05
  Scenario: An app that does not allow choosing specific users refuses them
    Given the app "Notes Sync" does not allow choosing specific users
    When Alice installs "Notes Sync" for Bob
    Then it is refused because "app does not allow choosing specific users"
    And Bob does not have "Notes Sync"

  @PD-SHARE-05
  Scenario: An app that does not allow choosing specific users can go to all users
    Given the app "Notes Sync" does not allow choosing specific users
    When Alice installs "Notes Sync" for all users
    Then Bob sees "Notes Sync" as "Authorize app"
    And Carol sees "Notes Sync" as "Authorize app"

  @PD-SHARE-06
  Scenario: Adding an app to other users adds it to the admin too
    When Alice installs "Deal Insights" for Bob
    Then Alice sees "Deal Insights" as "Authorized"
    When Alice removes "Deal Insights" from Alice
    Then it is refused because "invalid command"
    And Alice sees "Deal Insights" as "Authorized"

  @PD-SHARE-07
  Scenario: The admin's acceptance authorizes the admin alone
    When Alice installs "Notes Sync" for all users
    Then Alice has granted "Notes Sync" the scopes "base, deals:read"
    And Bob sees "Notes Sync" as "Authorize app"
    And Bob has granted "Notes Sync" no scopes
    And "Notes Sync" may not call "GET /deals/42" for Bob because "not authorized"

  @PD-SHARE-07
  Scenario: Each added user authorizes for themselves
    Given Alice has installed "Notes Sync" for all users
    When Bob authorizes "Notes Sync"
    Then Bob sees "Notes Sync" as "Authorized"
    And "Notes Sync" may call "GET /deals/42" for Bob
    And Carol sees "Notes Sync" as "Authorize app"

  @PD-SHARE-08
  Scenario: The admin chooses to email the added users
    When Alice installs "Deal Insights" for Bob and Carol and emails them
    Then Bob gets an email with the subject "Alice added Deal Insights for you"
    And Carol gets an email with the subject "Alice added Deal Insights for you"
    And the email with the subject "Alice added Deal Insights for you" comes from "noreply@pipedrive.com"
    And Alice gets no email
    And Dave gets no email
    And nobody gets an in-app notification

  @PD-SHARE-08
  Scenario: Without email, added users get in-app notifications
    When Alice installs "Deal Insights" for all users
    Then Bob gets an in-app notification saying "Alice added Deal Insights for you"
    And Dave gets an in-app notification about "Deal Insights"
    And Alice gets no in-app notification
    And Hank gets no in-app notification
    And nobody gets an email

  @PD-SHARE-09
  Scenario: A user who joins later gets only the apps added to all users
    Given Alice has installed "Notes Sync" for all users
    And Alice has installed "Deal Insights" for Bob
    When Erin joins "Acme"
    Then Erin sees "Notes Sync" as "Authorize app"
    And Erin gets an in-app notification about "Notes Sync"
    And Erin does not have "Deal Insights"

  @PD-SHARE-26 @assumed
  Scenario: "All users" chosen later through "+ Add" reaches users who join later too
    Given Alice has installed "Notes Sync" for only herself
    When Alice adds "Notes Sync" to all users
    And Erin joins "Acme"
    Then Erin sees "Notes Sync" as "Authorize app"
    And Erin gets an in-app notification about "Notes Sync"

  @PD-SHARE-09 @X-03
  Scenario: A user who joins another company gets nothing
    Given Alice has installed "Notes Sync" for all users
    When Ivy joins "Globex"
    Then Ivy does not have "Notes Sync"
    And Ivy gets no in-app notification

  @PD-SHARE-10
  Scenario Outline: Only the admin who added the app manages its users
    Given Alice has installed "Deal Insights" for Bob
    When <action>
    Then it is refused because "not the adding admin"
    And nothing has changed

    Examples:
      | action                                      |
      | Dave adds "Deal Insights" to Carol          |
      | Dave removes "Deal Insights" from Bob       |
      | Dave adds "Deal Insights" to all users      |
      | Dave installs "Deal Insights" for all users |

  @PD-SHARE-10
  Scenario: The admin who added the app adds it to more users
    Given Alice has installed "Deal Insights" for Bob
    When Alice adds "Deal Insights" to Carol
    Then Carol sees "Deal Insights" as "Authorize app"

  @PD-SHARE-11
  Scenario: Another admin the app was not added to cannot see who added it
    Given Alice has installed "Deal Insights" for Bob
    When Dave opens "Manage users" for "Deal Insights"
    Then the "Manage users" view does not show who added the app
    And Dave cannot make changes in the "Manage users" view

  @PD-SHARE-11
  Scenario: Another admin the app was added to sees who added it
    Given Alice has installed "Deal Insights" for Bob
    And Alice has added "Deal Insights" to Dave
    When Dave opens "Manage users" for "Deal Insights"
    Then the "Manage users" view shows the app was added by Alice
    And Dave cannot make changes in the "Manage users" view

  @PD-SHARE-11 @PD-SHARE-03
  Scenario: A user without admin permissions cannot open "Manage users"
    Given Alice has installed "Deal Insights" for Bob
    When Bob opens "Manage users" for "Deal Insights"
    Then it is refused because "not admin"

  @PD-SHARE-12
  Scenario: "Manage users" lists the users, who added the app, and finds a user
    Given Alice has installed "Deal Insights" for Bob
    And Bob has authorized "Deal Insights"
    When Alice saves "Manage users" for "Deal Insights" adding Carol and Dave and removing Bob
    And Alice opens "Manage users" for "Deal Insights"
    Then the "Manage users" view lists Carol and Dave
    And the "Manage users" view shows Carol as "Authorize app"
    And the "Manage users" view shows the app was added by Alice
    And Alice can make changes in the "Manage users" view
    And searching the "Manage users" view for "car" finds Carol
    And searching the "Manage users" view for "a" finds Carol and Dave

  @PD-SHARE-12 @X-03
  Scenario: The changes made in "Manage users" are saved together or not at all
    Given Alice has installed "Deal Insights" for Bob
    When Alice saves "Manage users" for "Deal Insights" adding Carol and Hank and removing Bob
    Then it is refused because "user of another company"
    And nothing has changed
    And Bob sees "Deal Insights" as "Authorize app"
    And Carol does not have "Deal Insights"

  @PD-SHARE-13
  Scenario: Removing the app from a user who authorized it does not uninstall it
    Given Alice has installed "Deal Insights" for Bob and Carol
    And Bob has authorized "Deal Insights"
    When Alice removes "Deal Insights" from Bob and Carol
    Then Bob sees "Deal Insights" as "Authorized"
    And "Deal Insights" receives no uninstall callback
    And Carol does not have "Deal Insights"

  @PD-SHARE-25
  Scenario: The admin adds an installed app to more users later with "+ Add"
    Given Alice has installed "Deal Insights" for only herself
    When Alice adds "Deal Insights" to Bob and emails them
    Then Bob sees "Deal Insights" as "Authorize app"
    And Bob gets an email with the subject "Alice added Deal Insights for you"
    And "Deal Insights" receives a sharing callback for Alice with isShared true

  @PD-SHARE-25
  Scenario: The admin switches to all users, removes one, then makes the app private
    Given Alice has installed "Deal Insights" for Bob
    When Alice adds "Deal Insights" to all users
    Then Carol sees "Deal Insights" as "Authorize app"
    When Alice removes "Deal Insights" from Carol
    Then Carol does not have "Deal Insights"
    And Bob sees "Deal Insights" as "Authorize app"
    When Alice makes "Deal Insights" private
    Then Bob does not have "Deal Insights"
    And Alice sees "Deal Insights" as "Authorized"
