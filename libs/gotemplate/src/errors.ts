/** Errors of parsing and executing templates, worded as Go's text/template words them. */

/** A template that does not parse: `template: NAME:LINE: message`. */
export class TemplateParseError extends Error {
  readonly templateName: string;
  readonly line: number;
  readonly detail: string;
  constructor(templateName: string, line: number, detail: string) {
    super(`template: ${templateName}:${String(line)}: ${detail}`);
    this.name = 'TemplateParseError';
    this.templateName = templateName;
    this.line = line;
    this.detail = detail;
  }
}

/** A failure while executing: `template: NAME:LINE:COL: executing "NAME" at <node>: message`. */
export class TemplateExecError extends Error {
  readonly detail: string;
  constructor(message: string, detail: string) {
    super(message);
    this.name = 'TemplateExecError';
    this.detail = detail;
  }
}

/** A bound (nesting depth, output size, steps) was exceeded; the message names the bound. */
export class TemplateLimitError extends TemplateExecError {
  constructor(message: string, detail: string) {
    super(message, detail);
    this.name = 'TemplateLimitError';
  }
}

/** Thrown by functions; the executor wraps it as `error calling NAME: message`. */
export class FuncError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FuncError';
  }
}
