/* eslint-disable */
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = T | null | undefined;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /**
   * Implement the DateTime<Utc> scalar
   *
   * The input/output is a string in RFC3339 format.
   */
  DateTime: { input: string; output: string; }
};

export type Article = {
  __typename?: 'Article';
  authors: Array<Author>;
  /** Sanitised HTML. */
  bodyHtml: Scalars['String']['output'];
  bodyText: Scalars['String']['output'];
  canonicalUrl: Scalars['String']['output'];
  /** Approved comments. */
  commentCount: Scalars['Int']['output'];
  /** Approved comments, oldest first; thread them by `parentId`. */
  comments: CommentConnection;
  /** An editor closed the article to new comments. */
  commentsClosed: Scalars['Boolean']['output'];
  /** Dated corrections appended by editors, oldest first. */
  corrections: Array<Correction>;
  createdAt: Scalars['DateTime']['output'];
  excerpt: Scalars['String']['output'];
  /** Opaque identifier. */
  id: Scalars['ID']['output'];
  image?: Maybe<Image>;
  /**
   * This article as a schema.org `NewsArticle` in JSON-LD, as REST serves
   * it for `Accept: application/ld+json`: the text a page embeds in its
   * `<script type="application/ld+json">`. Costs a read: ask for it on
   * one article, not a list.
   */
  jsonLd: Scalars['String']['output'];
  language: Scalars['String']['output'];
  publishedAt?: Maybe<Scalars['DateTime']['output']>;
  readingTimeMinutes: Scalars['Int']['output'];
  /**
   * Related published articles, best first, with the reasons for each.
   * Costs a ranking per article: ask for it on one article, not a list.
   */
  related: Array<RelatedArticle>;
  section?: Maybe<Section>;
  slug: Scalars['String']['output'];
  source?: Maybe<Source>;
  status: ArticleStatus;
  subtitle?: Maybe<Scalars['String']['output']>;
  tags: Array<Tag>;
  title: Scalars['String']['output'];
  updatedAt: Scalars['DateTime']['output'];
  /**
   * Grows by one with every update; pass it as `expectedVersion` to
   * `updateArticle` to refuse overwriting a newer edit.
   */
  version: Scalars['Int']['output'];
  /** Every counted page view. */
  viewCount: Scalars['Int']['output'];
  wordCount: Scalars['Int']['output'];
};


export type ArticleCommentsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type ArticleRelatedArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type ArticleConnection = {
  __typename?: 'ArticleConnection';
  /** A list of edges. */
  edges: Array<ArticleEdge>;
  /** A list of nodes. */
  nodes: Array<Article>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
};

/** An edge in a connection. */
export type ArticleEdge = {
  __typename?: 'ArticleEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Article;
};

/** Filters of `articles`, as in REST. */
export type ArticleFilterInput = {
  /** Author slug. */
  author?: InputMaybe<Scalars['String']['input']>;
  /** Slug of an article to leave out. */
  exclude?: InputMaybe<Scalars['String']['input']>;
  publishedAfter?: InputMaybe<Scalars['DateTime']['input']>;
  publishedBefore?: InputMaybe<Scalars['DateTime']['input']>;
  /**
   * Only articles matching this full-text query (the syntax of
   * `search`), still newest first.
   */
  q?: InputMaybe<Scalars['String']['input']>;
  /** Section slug. */
  section?: InputMaybe<Scalars['String']['input']>;
  /** Tag slug. */
  tag?: InputMaybe<Scalars['String']['input']>;
};

export type ArticleStatus =
  | 'ARCHIVED'
  | 'DRAFT'
  | 'PUBLISHED'
  | 'SCHEDULED';

export type Author = {
  __typename?: 'Author';
  /** Published articles under it. */
  articleCount: Scalars['Int']['output'];
  /** Its published articles, newest first. */
  articles: ArticleConnection;
  bio?: Maybe<Scalars['String']['output']>;
  name: Scalars['String']['output'];
  slug: Scalars['String']['output'];
};


export type AuthorArticlesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type AuthorConnection = {
  __typename?: 'AuthorConnection';
  /** A list of edges. */
  edges: Array<AuthorEdge>;
  /** A list of nodes. */
  nodes: Array<Author>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
};

/** An edge in a connection. */
export type AuthorEdge = {
  __typename?: 'AuthorEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Author;
};

export type BodyFormat =
  | 'HTML'
  | 'MARKDOWN'
  | 'TEXT';

/**
 * A reader's comment. `body` is plain text as written; `bodyHtml` is it
 * escaped, safe to insert.
 */
export type Comment = {
  __typename?: 'Comment';
  authorName: Scalars['String']['output'];
  body: Scalars['String']['output'];
  bodyHtml: Scalars['String']['output'];
  createdAt: Scalars['DateTime']['output'];
  depth: Scalars['Int']['output'];
  id: Scalars['ID']['output'];
  parentId?: Maybe<Scalars['ID']['output']>;
  /** `pending`, `approved`, `rejected` or `spam`. */
  status: Scalars['String']['output'];
};

export type CommentConnection = {
  __typename?: 'CommentConnection';
  /** A list of edges. */
  edges: Array<CommentEdge>;
  /** A list of nodes. */
  nodes: Array<Comment>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
};

/** An edge in a connection. */
export type CommentEdge = {
  __typename?: 'CommentEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Comment;
};

export type CommentSubmission = {
  authorEmail?: InputMaybe<Scalars['String']['input']>;
  authorName: Scalars['String']['input'];
  body: Scalars['String']['input'];
  parentId?: InputMaybe<Scalars['ID']['input']>;
  /** Leave empty: forms hide it from people, bots fill it in. */
  website?: InputMaybe<Scalars['String']['input']>;
};

export type Correction = {
  __typename?: 'Correction';
  publishedAt: Scalars['DateTime']['output'];
  text: Scalars['String']['output'];
};

/** The REST create body in camelCase. */
export type CreateArticleInput = {
  /** Author names or slugs; missing profiles are created for editors and admins. */
  authors?: InputMaybe<Array<Scalars['String']['input']>>;
  body?: InputMaybe<Scalars['String']['input']>;
  bodyFormat?: InputMaybe<BodyFormat>;
  canonicalUrl?: InputMaybe<Scalars['String']['input']>;
  excerpt?: InputMaybe<Scalars['String']['input']>;
  image?: InputMaybe<ImageInput>;
  language?: InputMaybe<Scalars['String']['input']>;
  publishedAt?: InputMaybe<Scalars['DateTime']['input']>;
  /**
   * Section slug or name; created when missing if the caller is an
   * editor or admin (authors name existing ones only).
   */
  section?: InputMaybe<Scalars['String']['input']>;
  slug?: InputMaybe<Scalars['String']['input']>;
  source?: InputMaybe<SourceInput>;
  status?: InputMaybe<ArticleStatus>;
  subtitle?: InputMaybe<Scalars['String']['input']>;
  /** Tag names or slugs; missing tags are created for editors and admins. */
  tags?: InputMaybe<Array<Scalars['String']['input']>>;
  title: Scalars['String']['input'];
};

/** A draft's title and body, saved or not. */
export type DraftInput = {
  /** Plain text or HTML. */
  body?: Scalars['String']['input'];
  /** The draft's own slug, once saved: it is never suggested to itself. */
  slug?: InputMaybe<Scalars['String']['input']>;
  title?: Scalars['String']['input'];
};

export type Image = {
  __typename?: 'Image';
  alt?: Maybe<Scalars['String']['output']>;
  caption?: Maybe<Scalars['String']['output']>;
  url: Scalars['String']['output'];
};

export type ImageInput = {
  alt?: InputMaybe<Scalars['String']['input']>;
  caption?: InputMaybe<Scalars['String']['input']>;
  url: Scalars['String']['input'];
};

/** One entry of a most-read list. */
export type MostRead = {
  __typename?: 'MostRead';
  article: Article;
  /** What a widget can show, e.g. "1,240 views in the last hour". */
  reason: Scalars['String']['output'];
  views: Scalars['Int']['output'];
};

export type MutationRoot = {
  __typename?: 'MutationRoot';
  /**
   * Append a dated correction (editor+): public at once, and a change for
   * sync and feeds.
   */
  addCorrection: Article;
  /** Create an article (author+); drafts by default. */
  createArticle: Article;
  createAuthor: Author;
  createSection: Section;
  createTag: Tag;
  /** Delete an article (editor+). */
  deleteArticle: Scalars['Boolean']['output'];
  deleteAuthor: Scalars['Boolean']['output'];
  deleteSection: Scalars['Boolean']['output'];
  deleteTag: Scalars['Boolean']['output'];
  /** A staff token for an e-mail and password. One per operation. */
  login: Token;
  /** Approves, rejects or marks a comment as spam (editors). */
  moderateComment: Comment;
  /** Publish now, or schedule with a future `publishedAt` (editor+). */
  publishArticle: Article;
  /** Records one page view; whether it counted (bots and repeats do not). */
  recordView: Scalars['Boolean']['output'];
  /** Opens or closes an article to new comments (editors). */
  setCommentsClosed: Scalars['Boolean']['output'];
  /** Submits a comment; it waits for moderation (`status: pending`). */
  submitComment: Comment;
  /**
   * Change an article. With `expectedVersion`, a stale version fails with
   * PRECONDITION_FAILED instead of overwriting someone else's edit.
   */
  updateArticle: Article;
  updateAuthor: Author;
  updateSection: Section;
  updateTag: Tag;
};


export type MutationRootAddCorrectionArgs = {
  slug: Scalars['String']['input'];
  text: Scalars['String']['input'];
};


export type MutationRootCreateArticleArgs = {
  input: CreateArticleInput;
};


export type MutationRootCreateAuthorArgs = {
  input: TermInputGql;
};


export type MutationRootCreateSectionArgs = {
  input: TermInputGql;
};


export type MutationRootCreateTagArgs = {
  input: TermInputGql;
};


export type MutationRootDeleteArticleArgs = {
  slug: Scalars['String']['input'];
};


export type MutationRootDeleteAuthorArgs = {
  slug: Scalars['String']['input'];
};


export type MutationRootDeleteSectionArgs = {
  slug: Scalars['String']['input'];
};


export type MutationRootDeleteTagArgs = {
  slug: Scalars['String']['input'];
};


export type MutationRootLoginArgs = {
  email: Scalars['String']['input'];
  password: Scalars['String']['input'];
};


export type MutationRootModerateCommentArgs = {
  id: Scalars['ID']['input'];
  status: Scalars['String']['input'];
};


export type MutationRootPublishArticleArgs = {
  publishedAt?: InputMaybe<Scalars['DateTime']['input']>;
  slug: Scalars['String']['input'];
};


export type MutationRootRecordViewArgs = {
  slug: Scalars['String']['input'];
};


export type MutationRootSetCommentsClosedArgs = {
  closed: Scalars['Boolean']['input'];
  slug: Scalars['String']['input'];
};


export type MutationRootSubmitCommentArgs = {
  input: CommentSubmission;
  slug: Scalars['String']['input'];
};


export type MutationRootUpdateArticleArgs = {
  expectedVersion?: InputMaybe<Scalars['Int']['input']>;
  input: UpdateArticleInput;
  slug: Scalars['String']['input'];
};


export type MutationRootUpdateAuthorArgs = {
  input: TermInputGql;
  slug: Scalars['String']['input'];
};


export type MutationRootUpdateSectionArgs = {
  input: TermInputGql;
  slug: Scalars['String']['input'];
};


export type MutationRootUpdateTagArgs = {
  input: TermInputGql;
  slug: Scalars['String']['input'];
};

/** Information about pagination in a connection */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** When paginating forwards, the cursor to continue. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** When paginating forwards, are there more items? */
  hasNextPage: Scalars['Boolean']['output'];
  /** When paginating backwards, are there more items? */
  hasPreviousPage: Scalars['Boolean']['output'];
  /** When paginating backwards, the cursor to continue. */
  startCursor?: Maybe<Scalars['String']['output']>;
};

export type QueryRoot = {
  __typename?: 'QueryRoot';
  /**
   * An article by slug (published, or any status for staff); null when
   * there is none.
   */
  article?: Maybe<Article>;
  /** Published articles, newest first. `first` is 1 to 100 (default 20). */
  articles: ArticleConnection;
  author?: Maybe<Author>;
  authors: AuthorConnection;
  /**
   * The articles read most in `window` (`1h`, `24h` or `7d`), most first.
   * Computed at most every 10 s.
   */
  mostRead: Array<MostRead>;
  /** Related published articles for a slug, best first, each with its reasons. */
  relatedArticles: Array<RelatedArticle>;
  /** Full-text search: words, "quoted phrases", -excluded; best first. */
  search: SearchHitConnection;
  section?: Maybe<Section>;
  sections: SectionConnection;
  /**
   * Suggestions for an editor's draft (authors and up): published
   * articles to link from it, existing tags and a section.
   */
  suggest: Suggestions;
  tag?: Maybe<Tag>;
  tags: TagConnection;
  /** The signed-in staff member; null without a token. */
  viewer?: Maybe<Viewer>;
};


export type QueryRootArticleArgs = {
  slug: Scalars['String']['input'];
};


export type QueryRootArticlesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<ArticleFilterInput>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryRootAuthorArgs = {
  slug: Scalars['String']['input'];
};


export type QueryRootAuthorsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryRootMostReadArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
  section?: InputMaybe<Scalars['String']['input']>;
  window?: Scalars['String']['input'];
};


export type QueryRootRelatedArticlesArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
  slug: Scalars['String']['input'];
};


export type QueryRootSearchArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  query: Scalars['String']['input'];
};


export type QueryRootSectionArgs = {
  slug: Scalars['String']['input'];
};


export type QueryRootSectionsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryRootSuggestArgs = {
  input: DraftInput;
};


export type QueryRootTagArgs = {
  slug: Scalars['String']['input'];
};


export type QueryRootTagsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type ReasonKind =
  | 'RECENCY'
  | 'SAME_AUTHOR'
  | 'SAME_SECTION'
  | 'SHARED_TAG'
  | 'SIMILAR_TEXT';

export type RelatedArticle = {
  __typename?: 'RelatedArticle';
  article: Article;
  reasons: Array<RelatedReason>;
  /** 0..1. */
  score: Scalars['Float']['output'];
};

/** Why an article was picked as related. */
export type RelatedReason = {
  __typename?: 'RelatedReason';
  detail: Scalars['String']['output'];
  kind: ReasonKind;
  /** The part of the score this reason brought; the parts add up to it. */
  weight: Scalars['Float']['output'];
};

/** A search result. */
export type SearchHit = {
  __typename?: 'SearchHit';
  article: Article;
  /** Text around the matches, HTML-escaped, matches wrapped in `<mark>`. */
  highlight: Scalars['String']['output'];
  /** 0..1, higher is better; compare within one query. */
  score: Scalars['Float']['output'];
};

export type SearchHitConnection = {
  __typename?: 'SearchHitConnection';
  /** A list of edges. */
  edges: Array<SearchHitEdge>;
  /** A list of nodes. */
  nodes: Array<SearchHit>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
};

/** An edge in a connection. */
export type SearchHitEdge = {
  __typename?: 'SearchHitEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: SearchHit;
};

export type Section = {
  __typename?: 'Section';
  /** Published articles under it. */
  articleCount: Scalars['Int']['output'];
  /** Its published articles, newest first. */
  articles: ArticleConnection;
  description?: Maybe<Scalars['String']['output']>;
  name: Scalars['String']['output'];
  slug: Scalars['String']['output'];
};


export type SectionArticlesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type SectionConnection = {
  __typename?: 'SectionConnection';
  /** A list of edges. */
  edges: Array<SectionEdge>;
  /** A list of nodes. */
  nodes: Array<Section>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
};

/** An edge in a connection. */
export type SectionEdge = {
  __typename?: 'SectionEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Section;
};

export type Source = {
  __typename?: 'Source';
  name: Scalars['String']['output'];
  url?: Maybe<Scalars['String']['output']>;
};

export type SourceInput = {
  name: Scalars['String']['input'];
  url?: InputMaybe<Scalars['String']['input']>;
};

export type SubscriptionRoot = {
  __typename?: 'SubscriptionRoot';
  /**
   * Articles as they go public (scheduled ones when their time comes),
   * narrowed to a section and a tag (slugs) when given. A subscriber
   * that falls far behind is ended, and so is every one at shutdown.
   */
  articlePublished: Article;
  /**
   * The most-read list of `window` (`1h`, `24h`, `7d`): now, then each
   * time it changes, at most every 10 s.
   */
  mostReadChanged: Array<MostRead>;
};


export type SubscriptionRootArticlePublishedArgs = {
  section?: InputMaybe<Scalars['String']['input']>;
  tag?: InputMaybe<Scalars['String']['input']>;
};


export type SubscriptionRootMostReadChangedArgs = {
  window?: Scalars['String']['input'];
};

/** Suggestions for a draft: articles to link, tags, a section. */
export type Suggestions = {
  __typename?: 'Suggestions';
  related: Array<RelatedArticle>;
  section?: Maybe<TermRef>;
  tags: Array<TagSuggestion>;
};

export type Tag = {
  __typename?: 'Tag';
  /** Published articles under it. */
  articleCount: Scalars['Int']['output'];
  /** Its published articles, newest first. */
  articles: ArticleConnection;
  description?: Maybe<Scalars['String']['output']>;
  name: Scalars['String']['output'];
  slug: Scalars['String']['output'];
};


export type TagArticlesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type TagConnection = {
  __typename?: 'TagConnection';
  /** A list of edges. */
  edges: Array<TagEdge>;
  /** A list of nodes. */
  nodes: Array<Tag>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
};

/** An edge in a connection. */
export type TagEdge = {
  __typename?: 'TagEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Tag;
};

/** An existing tag the draft's nearest articles carry. */
export type TagSuggestion = {
  __typename?: 'TagSuggestion';
  /** Slugs of the nearest articles carrying it, closest first. */
  evidence: Array<Scalars['String']['output']>;
  /**
   * 0..1: the share of the nearest articles' relatedness that carries it,
   * weighed by how specific the tag is and how like its own articles the
   * draft reads.
   */
  score: Scalars['Float']['output'];
  tag: TermRef;
};

/** A tag, section or author profile to write. Authors' `description` is their bio. */
export type TermInputGql = {
  description?: InputMaybe<Scalars['String']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
  slug?: InputMaybe<Scalars['String']['input']>;
};

/** A tag or section by slug and name. */
export type TermRef = {
  __typename?: 'TermRef';
  name: Scalars['String']['output'];
  slug: Scalars['String']['output'];
};

export type Token = {
  __typename?: 'Token';
  accessToken: Scalars['String']['output'];
  /** Seconds until it expires. */
  expiresIn: Scalars['Int']['output'];
  /** Always `Bearer`. */
  tokenType: Scalars['String']['output'];
};

/** Fields to change: omitted ones stay, `null` clears. */
export type UpdateArticleInput = {
  authors?: InputMaybe<Array<Scalars['String']['input']>>;
  body?: InputMaybe<Scalars['String']['input']>;
  bodyFormat?: InputMaybe<BodyFormat>;
  canonicalUrl?: InputMaybe<Scalars['String']['input']>;
  excerpt?: InputMaybe<Scalars['String']['input']>;
  image?: InputMaybe<ImageInput>;
  language?: InputMaybe<Scalars['String']['input']>;
  publishedAt?: InputMaybe<Scalars['DateTime']['input']>;
  section?: InputMaybe<Scalars['String']['input']>;
  slug?: InputMaybe<Scalars['String']['input']>;
  source?: InputMaybe<SourceInput>;
  status?: InputMaybe<ArticleStatus>;
  subtitle?: InputMaybe<Scalars['String']['input']>;
  tags?: InputMaybe<Array<Scalars['String']['input']>>;
  title?: InputMaybe<Scalars['String']['input']>;
};

/** The signed-in staff member. */
export type Viewer = {
  __typename?: 'Viewer';
  email: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  role: Scalars['String']['output'];
};

export type ArticleCardFragment = { __typename?: 'Article', slug: string, title: string, excerpt: string, publishedAt?: string | null, readingTimeMinutes: number, section?: { __typename?: 'Section', slug: string, name: string } | null, authors: Array<{ __typename?: 'Author', slug: string, name: string }>, image?: { __typename?: 'Image', url: string, alt?: string | null } | null };

export type MostReadEntryFragment = { __typename?: 'MostRead', views: number, reason: string, article: { __typename?: 'Article', slug: string, title: string } };

export type PageOfArticlesFragment = { __typename?: 'ArticleConnection', nodes: Array<{ __typename?: 'Article', slug: string, title: string, excerpt: string, publishedAt?: string | null, readingTimeMinutes: number, section?: { __typename?: 'Section', slug: string, name: string } | null, authors: Array<{ __typename?: 'Author', slug: string, name: string }>, image?: { __typename?: 'Image', url: string, alt?: string | null } | null }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } };

export type ArticlePageQueryVariables = Exact<{
  slug: Scalars['String']['input'];
  related?: InputMaybe<Scalars['Int']['input']>;
  comments?: InputMaybe<Scalars['Int']['input']>;
  mostRead?: InputMaybe<Scalars['Int']['input']>;
}>;


export type ArticlePageQuery = { __typename?: 'QueryRoot', article?: { __typename?: 'Article', subtitle?: string | null, bodyHtml: string, canonicalUrl: string, updatedAt: string, language: string, commentCount: number, commentsClosed: boolean, jsonLd: string, slug: string, title: string, excerpt: string, publishedAt?: string | null, readingTimeMinutes: number, tags: Array<{ __typename?: 'Tag', slug: string, name: string }>, corrections: Array<{ __typename?: 'Correction', text: string, publishedAt: string }>, image?: { __typename?: 'Image', url: string, alt?: string | null, caption?: string | null } | null, related: Array<{ __typename?: 'RelatedArticle', score: number, reasons: Array<{ __typename?: 'RelatedReason', kind: ReasonKind, detail: string, weight: number }>, article: { __typename?: 'Article', slug: string, title: string, excerpt: string, publishedAt?: string | null, readingTimeMinutes: number, section?: { __typename?: 'Section', slug: string, name: string } | null, authors: Array<{ __typename?: 'Author', slug: string, name: string }>, image?: { __typename?: 'Image', url: string, alt?: string | null } | null } }>, comments: { __typename?: 'CommentConnection', nodes: Array<{ __typename?: 'Comment', id: string, parentId?: string | null, authorName: string, bodyHtml: string, createdAt: string, depth: number }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } }, section?: { __typename?: 'Section', slug: string, name: string } | null, authors: Array<{ __typename?: 'Author', slug: string, name: string }> } | null, mostRead: Array<{ __typename?: 'MostRead', views: number, reason: string, article: { __typename?: 'Article', slug: string, title: string } }> };

export type HomeQueryVariables = Exact<{
  first?: InputMaybe<Scalars['Int']['input']>;
  mostRead?: InputMaybe<Scalars['Int']['input']>;
}>;


export type HomeQuery = { __typename?: 'QueryRoot', articles: { __typename?: 'ArticleConnection', nodes: Array<{ __typename?: 'Article', slug: string, title: string, excerpt: string, publishedAt?: string | null, readingTimeMinutes: number, section?: { __typename?: 'Section', slug: string, name: string } | null, authors: Array<{ __typename?: 'Author', slug: string, name: string }>, image?: { __typename?: 'Image', url: string, alt?: string | null } | null }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } }, mostRead: Array<{ __typename?: 'MostRead', views: number, reason: string, article: { __typename?: 'Article', slug: string, title: string } }> };

export type ArticlesQueryVariables = Exact<{
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<ArticleFilterInput>;
}>;


export type ArticlesQuery = { __typename?: 'QueryRoot', articles: { __typename?: 'ArticleConnection', nodes: Array<{ __typename?: 'Article', slug: string, title: string, excerpt: string, publishedAt?: string | null, readingTimeMinutes: number, section?: { __typename?: 'Section', slug: string, name: string } | null, authors: Array<{ __typename?: 'Author', slug: string, name: string }>, image?: { __typename?: 'Image', url: string, alt?: string | null } | null }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } } };

export type TagPageQueryVariables = Exact<{
  slug: Scalars['String']['input'];
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type TagPageQuery = { __typename?: 'QueryRoot', tag?: { __typename?: 'Tag', slug: string, name: string, description?: string | null, articleCount: number, articles: { __typename?: 'ArticleConnection', nodes: Array<{ __typename?: 'Article', slug: string, title: string, excerpt: string, publishedAt?: string | null, readingTimeMinutes: number, section?: { __typename?: 'Section', slug: string, name: string } | null, authors: Array<{ __typename?: 'Author', slug: string, name: string }>, image?: { __typename?: 'Image', url: string, alt?: string | null } | null }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } } } | null };

export type SectionPageQueryVariables = Exact<{
  slug: Scalars['String']['input'];
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type SectionPageQuery = { __typename?: 'QueryRoot', section?: { __typename?: 'Section', slug: string, name: string, description?: string | null, articleCount: number, articles: { __typename?: 'ArticleConnection', nodes: Array<{ __typename?: 'Article', slug: string, title: string, excerpt: string, publishedAt?: string | null, readingTimeMinutes: number, section?: { __typename?: 'Section', slug: string, name: string } | null, authors: Array<{ __typename?: 'Author', slug: string, name: string }>, image?: { __typename?: 'Image', url: string, alt?: string | null } | null }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } } } | null };

export type AuthorPageQueryVariables = Exact<{
  slug: Scalars['String']['input'];
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type AuthorPageQuery = { __typename?: 'QueryRoot', author?: { __typename?: 'Author', slug: string, name: string, bio?: string | null, articleCount: number, articles: { __typename?: 'ArticleConnection', nodes: Array<{ __typename?: 'Article', slug: string, title: string, excerpt: string, publishedAt?: string | null, readingTimeMinutes: number, section?: { __typename?: 'Section', slug: string, name: string } | null, authors: Array<{ __typename?: 'Author', slug: string, name: string }>, image?: { __typename?: 'Image', url: string, alt?: string | null } | null }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } } } | null };

export type SearchQueryVariables = Exact<{
  query: Scalars['String']['input'];
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type SearchQuery = { __typename?: 'QueryRoot', search: { __typename?: 'SearchHitConnection', nodes: Array<{ __typename?: 'SearchHit', score: number, highlight: string, article: { __typename?: 'Article', slug: string, title: string, excerpt: string, publishedAt?: string | null, readingTimeMinutes: number, section?: { __typename?: 'Section', slug: string, name: string } | null, authors: Array<{ __typename?: 'Author', slug: string, name: string }>, image?: { __typename?: 'Image', url: string, alt?: string | null } | null } }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } } };

export type MostReadQueryVariables = Exact<{
  window?: Scalars['String']['input'];
  first?: InputMaybe<Scalars['Int']['input']>;
}>;


export type MostReadQuery = { __typename?: 'QueryRoot', mostRead: Array<{ __typename?: 'MostRead', views: number, reason: string, article: { __typename?: 'Article', slug: string, title: string } }> };

export type MostReadChangedSubscriptionVariables = Exact<{
  window?: Scalars['String']['input'];
}>;


export type MostReadChangedSubscription = { __typename?: 'SubscriptionRoot', mostReadChanged: Array<{ __typename?: 'MostRead', views: number, reason: string, article: { __typename?: 'Article', slug: string, title: string } }> };

export type SubmitCommentMutationVariables = Exact<{
  slug: Scalars['String']['input'];
  input: CommentSubmission;
}>;


export type SubmitCommentMutation = { __typename?: 'MutationRoot', submitComment: { __typename?: 'Comment', id: string, status: string, authorName: string, createdAt: string } };

export type RecordViewMutationVariables = Exact<{
  slug: Scalars['String']['input'];
}>;


export type RecordViewMutation = { __typename?: 'MutationRoot', recordView: boolean };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const MostReadEntryFragmentDoc = new TypedDocumentString(`
    fragment MostReadEntry on MostRead {
  views
  reason
  article {
    slug
    title
  }
}
    `, {"fragmentName":"MostReadEntry"}) as unknown as TypedDocumentString<MostReadEntryFragment, unknown>;
export const ArticleCardFragmentDoc = new TypedDocumentString(`
    fragment ArticleCard on Article {
  slug
  title
  excerpt
  publishedAt
  readingTimeMinutes
  section {
    slug
    name
  }
  authors {
    slug
    name
  }
  image {
    url
    alt
  }
}
    `, {"fragmentName":"ArticleCard"}) as unknown as TypedDocumentString<ArticleCardFragment, unknown>;
export const PageOfArticlesFragmentDoc = new TypedDocumentString(`
    fragment PageOfArticles on ArticleConnection {
  nodes {
    ...ArticleCard
  }
  pageInfo {
    hasNextPage
    endCursor
  }
}
    fragment ArticleCard on Article {
  slug
  title
  excerpt
  publishedAt
  readingTimeMinutes
  section {
    slug
    name
  }
  authors {
    slug
    name
  }
  image {
    url
    alt
  }
}`, {"fragmentName":"PageOfArticles"}) as unknown as TypedDocumentString<PageOfArticlesFragment, unknown>;
export const ArticlePageDocument = new TypedDocumentString(`
    query ArticlePage($slug: String!, $related: Int = 5, $comments: Int = 100, $mostRead: Int = 5) {
  article(slug: $slug) {
    ...ArticleCard
    subtitle
    bodyHtml
    canonicalUrl
    updatedAt
    language
    commentCount
    commentsClosed
    tags {
      slug
      name
    }
    corrections {
      text
      publishedAt
    }
    image {
      url
      alt
      caption
    }
    jsonLd
    related(first: $related) {
      score
      reasons {
        kind
        detail
        weight
      }
      article {
        ...ArticleCard
      }
    }
    comments(first: $comments) {
      nodes {
        id
        parentId
        authorName
        bodyHtml
        createdAt
        depth
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
  mostRead(window: "24h", first: $mostRead) {
    ...MostReadEntry
  }
}
    fragment ArticleCard on Article {
  slug
  title
  excerpt
  publishedAt
  readingTimeMinutes
  section {
    slug
    name
  }
  authors {
    slug
    name
  }
  image {
    url
    alt
  }
}
fragment MostReadEntry on MostRead {
  views
  reason
  article {
    slug
    title
  }
}`) as unknown as TypedDocumentString<ArticlePageQuery, ArticlePageQueryVariables>;
export const HomeDocument = new TypedDocumentString(`
    query Home($first: Int = 40, $mostRead: Int = 5) {
  articles(first: $first) {
    ...PageOfArticles
  }
  mostRead(window: "24h", first: $mostRead) {
    ...MostReadEntry
  }
}
    fragment ArticleCard on Article {
  slug
  title
  excerpt
  publishedAt
  readingTimeMinutes
  section {
    slug
    name
  }
  authors {
    slug
    name
  }
  image {
    url
    alt
  }
}
fragment MostReadEntry on MostRead {
  views
  reason
  article {
    slug
    title
  }
}
fragment PageOfArticles on ArticleConnection {
  nodes {
    ...ArticleCard
  }
  pageInfo {
    hasNextPage
    endCursor
  }
}`) as unknown as TypedDocumentString<HomeQuery, HomeQueryVariables>;
export const ArticlesDocument = new TypedDocumentString(`
    query Articles($first: Int, $after: String, $filter: ArticleFilterInput) {
  articles(first: $first, after: $after, filter: $filter) {
    ...PageOfArticles
  }
}
    fragment ArticleCard on Article {
  slug
  title
  excerpt
  publishedAt
  readingTimeMinutes
  section {
    slug
    name
  }
  authors {
    slug
    name
  }
  image {
    url
    alt
  }
}
fragment PageOfArticles on ArticleConnection {
  nodes {
    ...ArticleCard
  }
  pageInfo {
    hasNextPage
    endCursor
  }
}`) as unknown as TypedDocumentString<ArticlesQuery, ArticlesQueryVariables>;
export const TagPageDocument = new TypedDocumentString(`
    query TagPage($slug: String!, $first: Int, $after: String) {
  tag(slug: $slug) {
    slug
    name
    description
    articleCount
    articles(first: $first, after: $after) {
      ...PageOfArticles
    }
  }
}
    fragment ArticleCard on Article {
  slug
  title
  excerpt
  publishedAt
  readingTimeMinutes
  section {
    slug
    name
  }
  authors {
    slug
    name
  }
  image {
    url
    alt
  }
}
fragment PageOfArticles on ArticleConnection {
  nodes {
    ...ArticleCard
  }
  pageInfo {
    hasNextPage
    endCursor
  }
}`) as unknown as TypedDocumentString<TagPageQuery, TagPageQueryVariables>;
export const SectionPageDocument = new TypedDocumentString(`
    query SectionPage($slug: String!, $first: Int, $after: String) {
  section(slug: $slug) {
    slug
    name
    description
    articleCount
    articles(first: $first, after: $after) {
      ...PageOfArticles
    }
  }
}
    fragment ArticleCard on Article {
  slug
  title
  excerpt
  publishedAt
  readingTimeMinutes
  section {
    slug
    name
  }
  authors {
    slug
    name
  }
  image {
    url
    alt
  }
}
fragment PageOfArticles on ArticleConnection {
  nodes {
    ...ArticleCard
  }
  pageInfo {
    hasNextPage
    endCursor
  }
}`) as unknown as TypedDocumentString<SectionPageQuery, SectionPageQueryVariables>;
export const AuthorPageDocument = new TypedDocumentString(`
    query AuthorPage($slug: String!, $first: Int, $after: String) {
  author(slug: $slug) {
    slug
    name
    bio
    articleCount
    articles(first: $first, after: $after) {
      ...PageOfArticles
    }
  }
}
    fragment ArticleCard on Article {
  slug
  title
  excerpt
  publishedAt
  readingTimeMinutes
  section {
    slug
    name
  }
  authors {
    slug
    name
  }
  image {
    url
    alt
  }
}
fragment PageOfArticles on ArticleConnection {
  nodes {
    ...ArticleCard
  }
  pageInfo {
    hasNextPage
    endCursor
  }
}`) as unknown as TypedDocumentString<AuthorPageQuery, AuthorPageQueryVariables>;
export const SearchDocument = new TypedDocumentString(`
    query Search($query: String!, $first: Int, $after: String) {
  search(query: $query, first: $first, after: $after) {
    nodes {
      score
      highlight
      article {
        ...ArticleCard
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    fragment ArticleCard on Article {
  slug
  title
  excerpt
  publishedAt
  readingTimeMinutes
  section {
    slug
    name
  }
  authors {
    slug
    name
  }
  image {
    url
    alt
  }
}`) as unknown as TypedDocumentString<SearchQuery, SearchQueryVariables>;
export const MostReadDocument = new TypedDocumentString(`
    query MostRead($window: String! = "24h", $first: Int = 5) {
  mostRead(window: $window, first: $first) {
    ...MostReadEntry
  }
}
    fragment MostReadEntry on MostRead {
  views
  reason
  article {
    slug
    title
  }
}`) as unknown as TypedDocumentString<MostReadQuery, MostReadQueryVariables>;
export const MostReadChangedDocument = new TypedDocumentString(`
    subscription MostReadChanged($window: String! = "24h") {
  mostReadChanged(window: $window) {
    ...MostReadEntry
  }
}
    fragment MostReadEntry on MostRead {
  views
  reason
  article {
    slug
    title
  }
}`) as unknown as TypedDocumentString<MostReadChangedSubscription, MostReadChangedSubscriptionVariables>;
export const SubmitCommentDocument = new TypedDocumentString(`
    mutation SubmitComment($slug: String!, $input: CommentSubmission!) {
  submitComment(slug: $slug, input: $input) {
    id
    status
    authorName
    createdAt
  }
}
    `) as unknown as TypedDocumentString<SubmitCommentMutation, SubmitCommentMutationVariables>;
export const RecordViewDocument = new TypedDocumentString(`
    mutation RecordView($slug: String!) {
  recordView(slug: $slug)
}
    `) as unknown as TypedDocumentString<RecordViewMutation, RecordViewMutationVariables>;